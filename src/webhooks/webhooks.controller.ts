import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { IdParam } from '../http/id-param';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { UserAuth } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { PageQueryDto } from '../auth/page-query.dto';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import {
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookListDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const notFound = ApiNotFoundResponse({
  type: ErrorResponseDto,
  description: 'No such webhook (or delivery)',
});
const noKey = ApiServiceUnavailableResponse({
  type: ErrorResponseDto,
  description: 'AUTOPACK_CREDENTIALS_KEY is not configured (URLs and secrets are stored encrypted)',
});

/** Webhook endpoints (standard, Slack, Telegram) and their delivery logs: admins only (docs/EVENTS.md). */
@ApiTags('webhooks')
@Controller('webhooks')
@UserAuth('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Adds an endpoint; the answer holds its signing secret, shown this once. */
  @Post()
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @noKey
  create(
    @Body() body: CreateWebhookDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(body, actor);
  }

  /** The endpoints, oldest first, 50 per page unless asked. */
  @Get()
  @ApiOkResponse({ type: WebhookListDto })
  list(@Query() page: PageQueryDto): Promise<WebhookListDto> {
    return this.webhooks.list(page);
  }

  @Get(':webhook_id')
  @ApiOkResponse({ type: WebhookDto })
  @notFound
  get(@IdParam('webhook_id', 'uuid') id: string): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  /** Changes URL, name, event types, chat or enabled (enabling resets the failure count). */
  @Patch(':webhook_id')
  @ApiOkResponse({ type: WebhookDto })
  @notFound
  @noKey
  update(
    @IdParam('webhook_id', 'uuid') id: string,
    @Body() body: UpdateWebhookDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<WebhookDto> {
    return this.webhooks.update(id, body, actor);
  }

  /** Removes the endpoint and its delivery log. */
  @Delete(':webhook_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  @notFound
  remove(@IdParam('webhook_id', 'uuid') id: string, @CurrentPrincipal() actor: Principal): Promise<void> {
    return this.webhooks.remove(id, actor);
  }

  /** A new signing secret, shown once; deliveries carry the previous one's signature too for 24 h. */
  @Post(':webhook_id/rotate-secret')
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  @notFound
  @noKey
  rotate(
    @IdParam('webhook_id', 'uuid') id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotate(id, actor);
  }

  /** The delivery log, newest first: status, attempts, last error, next attempt. */
  @Get(':webhook_id/deliveries')
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @notFound
  deliveries(
    @IdParam('webhook_id', 'uuid') id: string,
    @Query() page: PageQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.deliveries(id, page);
  }

  /** Queues a finished delivery again, now, with a fresh retry budget. */
  @Post(':webhook_id/deliveries/:delivery_id/redeliver')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @notFound
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The delivery is still pending or being sent' })
  redeliver(
    @IdParam('webhook_id', 'uuid') id: string,
    @IdParam('delivery_id', 'uuid') deliveryId: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<WebhookDeliveryDto> {
    return this.webhooks.redeliver(id, deliveryId, actor);
  }
}
