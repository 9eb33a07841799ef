import { KeysetListFieldsDto } from '../../http/page-query.dto';
import { ApiProperty, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { EVENT_TYPE_NAMES } from '../../events/event-types';
import { DELIVERY_STATUSES } from '../delivery-lifecycle';
import { WEBHOOK_KINDS } from '../webhook-endpoint.entity';

const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/;

export class CreateWebhookDto {
  /** A name for humans. */
  @IsString()
  @Length(1, 100)
  name: string;

  /**
   * Where deliveries are POSTed: https in production, never a metadata, link-local or (in production)
   * internal address, re-checked at connect time. Slack: the incoming-webhook URL; Telegram:
   * `https://api.telegram.org/bot<token>/sendMessage`. Stored encrypted; shown as a hint.
   */
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiProperty({ enum: WEBHOOK_KINDS })
  @IsIn(WEBHOOK_KINDS)
  kind: string;

  /** The event types to deliver (docs/EVENTS.md). */
  @ApiProperty({ type: [String], enum: EVENT_TYPE_NAMES, minItems: 1, maxItems: EVENT_TYPE_NAMES.length })
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPE_NAMES.length)
  @IsIn(EVENT_TYPE_NAMES, { each: true })
  event_types: string[];

  /** Default true (on create). Enabling again later resets the failure count and resumes queued deliveries. */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Kind `telegram` only (and required there): the chat to send to, a number or `@channel`. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(CHAT_ID, { message: 'telegram_chat_id must be a chat number or @channelname' })
  telegram_chat_id?: string;
}

/** Any field but `kind`; enabling again resets the failure count and resumes the queued deliveries. */
export class UpdateWebhookDto extends PartialType(OmitType(CreateWebhookDto, ['kind'] as const)) {}

export class WebhookDto {
  id: string;
  name: string;
  @ApiProperty({ enum: WEBHOOK_KINDS })
  kind: string;
  /** Scheme and host, and the URL's last four characters: never the whole (secret-bearing) URL. */
  url_hint: string;
  telegram_chat_id: string | null;
  @ApiProperty({ type: [String], enum: EVENT_TYPE_NAMES })
  event_types: string[];
  enabled: boolean;
  /** Why the server disabled it (410, failures in a row), or null. */
  disabled_reason: string | null;
  consecutive_failures: number;
  /** During a rotation: until when the previous secret's signature is sent too. */
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export class WebhookListDto extends KeysetListFieldsDto {
  /** Oldest first. */
  webhooks: WebhookDto[];
}

export class WebhookWithSecretDto extends WebhookDto {
  /** The signing secret (`whsec_…`): shown this once, store it now. */
  secret: string;
}

export class WebhookDeliveryDto {
  /** Also the `webhook-id` header of every attempt. */
  id: string;
  event_cursor: string;
  event_type: string;
  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: string;
  attempts: number;
  last_status_code: number | null;
  /** A short reason (`http_500`, `timeout`, `forbidden_address` …), never a response body. */
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

export class WebhookDeliveryPageDto extends KeysetListFieldsDto {
  /** Newest first. */
  deliveries: WebhookDeliveryDto[];
}
