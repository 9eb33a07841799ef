import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { RunQueriesService } from '../runs/run-queries.service';
import type { HumanNoteDto, HumanNoteResponseDto } from './dto/dashboard.dto';
import { HumanNote } from './entities/human-note.entity';

/** Notes operators leave on the dashboard, optionally about one run. */
@Injectable()
export class HumanNotesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
  ) {}

  async addNote(dto: HumanNoteDto, principal: Principal): Promise<HumanNoteResponseDto> {
    if (dto.run_id !== undefined) await this.runs.findVisibleRun(dto.run_id, principal);
    const saved = await this.dataSource.getRepository(HumanNote).save({
      runId: dto.run_id ?? null,
      note: dto.note,
      authorId: principal.id,
      authorName: principal.name,
    });
    return {
      id: saved.id,
      note: saved.note,
      run_id: saved.runId,
      author_id: saved.authorId,
      author_name: saved.authorName,
      created_at: saved.createdAt.toISOString(),
    };
  }
}
