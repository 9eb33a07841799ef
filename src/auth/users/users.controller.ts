import { IdParam } from '../../http/id-param';
import { Body, Controller, Delete, Get, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { UserAuth } from '../auth.decorators';
import { CurrentPrincipal } from '../current-principal.decorator';
import { PageQueryDto } from '../page-query.dto';
import type { Principal } from '../principal';
import { RevokedSessionsDto } from '../sessions/dto/session.dto';
import { toUserDto, UpdateUserDto, UserDto, UserListDto } from './dto/user.dto';
import { UsersService } from './users.service';

/** User administration: roles and disabling. */
@ApiTags('auth')
@Controller('api/auth/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @UserAuth('admin')
  async list(@Query() query: PageQueryDto): Promise<UserListDto> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { users, total } = await this.users.list(limit, offset);
    return { users: users.map(toUserDto), total, limit, offset };
  }

  /** Changes a role and/or disables a user; a disabled user's tokens stop working at once. */
  @Patch(':id')
  @UserAuth('admin')
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'An admin cannot demote or disable themselves',
    type: ErrorResponseDto,
  })
  async update(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateUserDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<UserDto> {
    return toUserDto(await this.users.update(id, body, actor));
  }

  /** Signs a user out everywhere: every session ends, their access tokens stop at the next request. */
  @Delete(':id/sessions')
  @UserAuth('admin')
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async revokeSessions(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<RevokedSessionsDto> {
    return { revoked: await this.users.revokeSessions(id.toLowerCase(), actor) };
  }
}
