import { IdParam } from '../../http/id-param';
import { Body, Controller, Delete, Get, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { UserAuth } from '../auth.decorators';
import { CurrentPrincipal } from '../current-principal.decorator';
import { PageQueryDto } from '../page-query.dto';
import type { Principal } from '../principal';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto, toApiKeyDto } from './dto/api-key.dto';

/** Minting, listing and revoking machine keys: an admin's decision, so a human one. */
@ApiTags('auth')
@Controller('api/auth/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Creates a key. The response is the only place the secret `key` ever appears. */
  @Post()
  @UserAuth('admin')
  @ApiUnprocessableEntityResponse({
    description: 'Unknown scope, past expiry, unknown owner',
    type: ErrorResponseDto,
  })
  async create(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<CreatedApiKeyDto> {
    const { record, key } = await this.keys.create(
      {
        name: body.name,
        scopes: body.scopes,
        owner: body.owner,
        expiresAt: body.expires_at === undefined ? undefined : new Date(body.expires_at),
      },
      actor,
    );
    return { ...toApiKeyDto(record), key };
  }

  /** Every key, newest first, without secrets. */
  @Get()
  @UserAuth('admin')
  async list(@Query() query: PageQueryDto): Promise<ApiKeyListDto> {
    const { items, ...paging } = await this.keys.list(query);
    return { api_keys: items.map((record) => toApiKeyDto(record)), ...paging };
  }

  /** Revokes a key; it is refused from its next request on. */
  @Delete(':id')
  @UserAuth('admin')
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async revoke(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.keys.revoke(id, actor));
  }
}
