import { IdParam } from '../http/id-param';
import { INT4_MAX } from '../http/input-bounds';
import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { PublicRead } from '../auth/auth.decorators';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ErrorResponseDto } from '../http/error-response.dto';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import type { Tagged } from './artifacts.service';
import { ArtifactsService } from './artifacts.service';
import { ArtifactFileQueryDto } from './dto/artifact-file-query.dto';
import { ArtifactIndexDto, BrowserArtifactListDto } from './dto/artifact-index.dto';

const notFound = ApiNotFoundResponse({
  description: 'No such run visible to the caller, or no servable artifact at that path',
  type: ErrorResponseDto,
});
const notModified = ApiResponse({ status: 304, description: 'If-None-Match matched the current ETag' });
const ifNoneMatch = ApiHeader({
  name: 'If-None-Match',
  required: false,
  description: 'An ETag from an earlier answer',
});

/** True when an If-None-Match header names `etag` (weak comparison) or is `*`. */
function matches(ifNoneMatchHeader: string | undefined, etag: string): boolean {
  if (!ifNoneMatchHeader) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatchHeader.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** A listing, or 304 when the client already holds it. */
function answerTagged<T>(
  tagged: Tagged<T>,
  ifNoneMatchHeader: string | undefined,
  res: Response,
): T | undefined {
  res.setHeader('ETag', tagged.etag);
  res.setHeader('Cache-Control', 'private, no-cache');
  if (matches(ifNoneMatchHeader, tagged.etag)) {
    res.status(304);
    return undefined;
  }
  return tagged.body;
}

/**
 * Run artifacts. Every route answers 404 for a run the caller may not see, exactly as for a missing one.
 */
@ApiTags('artifacts')
@Controller('runs')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  /** The run's artifact files (bounded; `truncated` beyond AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES). */
  @Get(':run_id/artifacts/index')
  @PublicRead()
  @RateLimit('artifacts_index')
  @ApiOkResponse({ type: ArtifactIndexDto })
  @ifNoneMatch
  @notModified
  @notFound
  async index(
    @IdParam('run_id') runId: string,
    @Headers('if-none-match') ifNoneMatchHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ArtifactIndexDto | undefined> {
    return answerTagged(await this.artifacts.index(runId, principal), ifNoneMatchHeader, res);
  }

  /** Screenshots, HTML snapshots and HAR files of the run (bounded like the index). */
  @Get(':run_id/browser/artifacts')
  @PublicRead()
  @RateLimit('artifacts_index')
  @ApiOkResponse({ type: BrowserArtifactListDto })
  @ifNoneMatch
  @notModified
  @notFound
  async browserArtifacts(
    @IdParam('run_id') runId: string,
    @Headers('if-none-match') ifNoneMatchHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BrowserArtifactListDto | undefined> {
    return answerTagged(await this.artifacts.browserArtifacts(runId, principal), ifNoneMatchHeader, res);
  }

  /**
   * The first AUTOPACK_ARTIFACT_READ_SIZE_CAP bytes of one artifact: text as `text/plain; charset=utf-8`,
   * PNG/JPEG/GIF/WebP images as themselves, anything else as an `application/octet-stream` attachment.
   * Headers: `X-Artifact-Truncated`, `X-Artifact-Original-Size`, `X-Artifact-Redacted`,
   * `X-Artifact-Redaction-Count`. Secret-bearing files (`.credentials/**`, `.env*`, `*.pem`, `*.key`,
   * `id_rsa*`) are 404.
   */
  @Get(':run_id/artifacts/file')
  @PublicRead()
  @RateLimit('artifacts_file')
  @ApiProduces('text/plain', 'application/octet-stream', 'image/png', 'image/jpeg', 'image/gif', 'image/webp')
  @ApiOkResponse({
    description: 'The (capped, possibly redacted) content',
    headers: {
      'X-Artifact-Truncated': {
        description: '`true` when the body is not the whole file',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
      'X-Artifact-Original-Size': {
        description: 'The file size in bytes',
        schema: { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      },
      'X-Artifact-Redacted': {
        description: '`true` when the body was redacted',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
      'X-Artifact-Redaction-Count': {
        description: 'Redaction markers in the body (at most one per byte of the read cap)',
        schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT4_MAX },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Invalid artifact path (one message for every rule)',
    type: ErrorResponseDto,
  })
  @notFound
  async file(
    @IdParam('run_id') runId: string,
    @Query() query: ArtifactFileQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const read = await this.artifacts.read(runId, query.path, query.redact === 'true', principal);
    res.status(200);
    res.setHeader('Content-Type', read.contentType);
    res.setHeader('Content-Length', String(read.body.length));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Artifacts may hold secrets the rules do not know: never kept by shared caches or the browser.
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    if (read.kind === 'binary') res.setHeader('Content-Disposition', 'attachment');
    res.setHeader('X-Artifact-Truncated', String(read.truncated));
    res.setHeader('X-Artifact-Original-Size', String(read.originalSize));
    res.setHeader('X-Artifact-Redacted', String(read.redacted));
    res.setHeader('X-Artifact-Redaction-Count', String(read.redactionCount));
    res.end(read.body);
  }
}
