import { BadRequestException, PipeTransform } from '@nestjs/common';
import { INBOX_KINDS } from './inbox-kinds';
import type { InboxKind } from './inbox-kinds';

/** `kind` in a path: one of the inbox kinds, else 400 with `detail` like any invalid path parameter. */
export class ParseInboxKindPipe implements PipeTransform<string, InboxKind> {
  transform(value: string): InboxKind {
    if ((INBOX_KINDS as readonly string[]).includes(value)) return value as InboxKind;
    const msg = `must be one of: ${INBOX_KINDS.join(', ')}`;
    throw new BadRequestException({
      message: `Invalid path parameter (kind: ${msg})`,
      detail: [{ loc: ['path', 'kind'], msg, type: 'enum' }],
    });
  }
}
