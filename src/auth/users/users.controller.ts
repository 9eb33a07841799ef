import { IdParam } from '../../http/id-param';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../http/error-response.dto';
import { UserAuth } from '../auth.decorators';
import { CurrentPrincipal } from '../current-principal.decorator';
import { PageQueryDto } from '../page-query.dto';
import type { Principal } from '../principal';
import { auditContextFor } from '../../audit/audit-context';
import { RevokedSessionsDto, SessionListDto, toSessionDto } from '../sessions/dto/session.dto';
import { SessionsService } from '../sessions/sessions.service';
import {
  CreatedUserDto,
  CreateUserDto,
  PasswordResetResultDto,
  ResetPasswordDto,
  toUserDto,
  UpdateUserDto,
  UserDto,
  UserListDto,
} from './dto/user.dto';
import type { SetPasswordLinkDto } from './dto/user.dto';
import { PasswordsService } from './passwords.service';
import type { SetPasswordLink } from './passwords.service';
import { UsersService } from './users.service';

const toLinkDto = (link: SetPasswordLink): SetPasswordLinkDto => ({
  set_password_token: link.token,
  expires_at: link.expiresAt.toISOString(),
});

/** User administration (admins): create, reset a password, roles and disabling, sign out everywhere. */
@ApiTags('auth')
@Controller('api/auth/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordsService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @UserAuth('admin')
  async list(@Query() query: PageQueryDto): Promise<UserListDto> {
    const { items, ...paging } = await this.users.list(query);
    return { users: items.map(toUserDto), ...paging };
  }

  /**
   * Creates a user with a role: with an initial `password`, or without one, when the answer carries a
   * one-time `set_password` token (shown once) for the user to choose their own at
   * `POST /api/auth/set-password` before it expires (`AUTOPACK_SET_PASSWORD_TOKEN_HOURS`, default 24).
   */
  @Post()
  @UserAuth('admin')
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiConflictResponse({ description: 'The username is taken', type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    description: 'Invalid username or role, or a password the policy refuses',
    type: ErrorResponseDto,
  })
  async create(@Body() body: CreateUserDto, @CurrentPrincipal() actor: Principal): Promise<CreatedUserDto> {
    const { user, link } = await this.passwords.createUser(body, actor);
    return { ...toUserDto(user), ...(link ? { set_password: toLinkDto(link) } : {}) };
  }

  /**
   * Resets a user's password: to the given `password`, or (left out) to nothing usable plus a one-time
   * `set_password` token. The old password stops working and every session of the user ends.
   */
  @Post(':id/password')
  @UserAuth('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PasswordResetResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({
    description: 'An admin changes their own password with POST /api/auth/me/password',
    type: ErrorResponseDto,
  })
  @ApiUnprocessableEntityResponse({ description: 'A password the policy refuses', type: ErrorResponseDto })
  async resetPassword(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @Body() body: ResetPasswordDto,
    @CurrentPrincipal() actor: Principal,
  ): Promise<PasswordResetResultDto> {
    const { sessionsEnded, link } = await this.passwords.reset(id, body.password, actor);
    return { sessions_ended: sessionsEnded, ...(link ? { set_password: toLinkDto(link) } : {}) };
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

  /** A user's active sessions, newest first (where they are signed in), for an admin deciding what to end. */
  @Get(':id/sessions')
  @UserAuth('admin')
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async listSessions(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<SessionListDto> {
    const userId = id.toLowerCase();
    if (!(await this.users.findById(userId))) throw new NotFoundException('No such user');
    const sessions = await this.sessions.listActive(userId);
    return { sessions: sessions.map((s) => toSessionDto(s, actor.sessionId)) };
  }

  /** Ends one session of a user (a lost laptop), audited as revoked by an admin; 404 if not active. */
  @Delete(':id/sessions/:session_id')
  @UserAuth('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such active session of this user' })
  async revokeSession(
    @IdParam('id', 'uuid', new ParseUUIDPipe()) id: string,
    @IdParam('session_id', 'uuid', new ParseUUIDPipe()) sessionId: string,
    @CurrentPrincipal() actor: Principal,
  ): Promise<void> {
    await this.sessions.revokeOne(
      id.toLowerCase(),
      sessionId.toLowerCase(),
      'revoked_by_admin',
      auditContextFor(actor),
    );
  }
}
