import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { RunQueriesService } from '../runs/run-queries.service';
import { bytesToRead, renderArtifact } from './artifact-content';
import type { RenderedArtifact } from './artifact-content';
import { INVALID_ARTIFACT_PATH, parseArtifactPath } from './artifact-path';
import { openArtifact, readHead, runDirectory, walkArtifacts } from './artifact-store';
import type { ArtifactEntry } from './artifact-store';
import type { ArtifactIndexDto, BrowserArtifactListDto, BrowserArtifactType } from './dto/artifact-index.dto';

/** Directory entries a listing may examine per entry it may list (the rest are directories, skipped files). */
const WALK_BUDGET_FACTOR = 4;
const WALK_BUDGET_FLOOR = 1024;

const BROWSER_TYPES: Array<[RegExp, BrowserArtifactType]> = [
  [/\.(png|jpe?g|gif|webp)$/i, 'screenshot'],
  [/\.html?$/i, 'html'],
  [/\.har$/i, 'har'],
];

export interface ArtifactRead extends RenderedArtifact {
  originalSize: number;
}

/** A listing with the validator a client echoes in If-None-Match. */
export interface Tagged<T> {
  body: T;
  etag: string;
}

/** A weak validator of the exact JSON a listing answers: the same listing, the same tag. */
function etagOf(body: unknown): string {
  return `W/"${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}"`;
}

/**
 * Run artifacts under AUTOPACK_RUNS_ROOT/<run_id>/: listing and capped, optionally redacted reads.
 * Every operation first asks the runs module whether the principal may see the run (404 otherwise).
 */
@Injectable()
export class ArtifactsService {
  constructor(
    private readonly config: AppConfig,
    private readonly runs: RunQueriesService,
  ) {}

  async index(runId: string, principal: Principal): Promise<Tagged<ArtifactIndexDto>> {
    await this.runs.findVisibleRun(runId, principal);
    const { entries, truncated } = await this.list(runId, () => true);
    const body: ArtifactIndexDto = {
      run_id: runId,
      artifacts: entries,
      total_size_bytes: entries.reduce((sum, entry) => sum + entry.size_bytes, 0),
      truncated,
    };
    return { body, etag: etagOf(body) };
  }

  async browserArtifacts(runId: string, principal: Principal): Promise<Tagged<BrowserArtifactListDto>> {
    await this.runs.findVisibleRun(runId, principal);
    const { entries, truncated } = await this.list(runId, (entry) => browserType(entry.path) !== undefined);
    const artifacts = entries.map((entry) => ({
      path: entry.path,
      type: browserType(entry.path)!,
      size_bytes: entry.size_bytes,
      modified_at: entry.modified_at,
    }));
    const body: BrowserArtifactListDto = {
      run_id: runId,
      artifacts,
      total_count: artifacts.length,
      truncated,
    };
    return { body, etag: etagOf(body) };
  }

  /**
   * The first AUTOPACK_ARTIFACT_READ_SIZE_CAP bytes of one artifact (redacted when configured or asked
   * for). 400 for a refused path, 404 for anything that is not a servable file of this run.
   */
  async read(
    runId: string,
    rawPath: unknown,
    redactRequested: boolean,
    principal: Principal,
  ): Promise<ArtifactRead> {
    const segments = parseArtifactPath(rawPath);
    if (segments === null) throw new BadRequestException(INVALID_ARTIFACT_PATH);
    await this.runs.findVisibleRun(runId, principal);
    const runDir = await runDirectory(this.config.runsRoot, runId);
    const opened = runDir === null ? null : await openArtifact(runDir, segments);
    if (opened === null) throw new NotFoundException('Artifact not found');
    const redact = this.config.artifactRedaction || redactRequested;
    const cap = this.config.artifactReadSizeCap;
    try {
      const window = await readHead(opened.handle, bytesToRead(opened.size, cap, redact));
      return { ...renderArtifact(window, opened.size, { cap, redact }), originalSize: opened.size };
    } finally {
      await opened.handle.close();
    }
  }

  /** At most the configured number of entries passing `keep`; `truncated` when more exist. */
  private async list(
    runId: string,
    keep: (entry: ArtifactEntry) => boolean,
  ): Promise<{ entries: ArtifactEntry[]; truncated: boolean }> {
    const runDir = await runDirectory(this.config.runsRoot, runId);
    if (runDir === null) return { entries: [], truncated: false };
    const max = this.config.artifactIndexMaxEntries;
    const entries: ArtifactEntry[] = [];
    const budget = Math.max(WALK_BUDGET_FLOOR, max * WALK_BUDGET_FACTOR);
    // One more than allowed: finding it is how we know the listing is truncated.
    const walked = await walkArtifacts(runDir, budget, (entry) => {
      if (keep(entry)) entries.push(entry);
      return entries.length <= max;
    });
    const truncated = walked.truncated || entries.length > max;
    return { entries: entries.slice(0, max), truncated };
  }
}

function browserType(path: string): BrowserArtifactType | undefined {
  return BROWSER_TYPES.find(([pattern]) => pattern.test(path))?.[1];
}
