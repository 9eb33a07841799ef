import { ApiProperty } from '@nestjs/swagger';

export class ArtifactEntryDto {
  /** Relative to the run's artifact directory, `/`-separated. */
  path: string;
  size_bytes: number;
  /** ISO-8601 UTC. */
  modified_at: string;
}

export class ArtifactIndexDto {
  run_id: string;
  /** Regular files of the run directory, depth-first in code-point order of names. */
  artifacts: ArtifactEntryDto[];
  /** Sum of the listed artifacts' sizes. */
  total_size_bytes: number;
  /** More artifacts exist than AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES allows to list. */
  truncated: boolean;
}

export const BROWSER_ARTIFACT_TYPES = ['screenshot', 'html', 'har'] as const;
export type BrowserArtifactType = (typeof BROWSER_ARTIFACT_TYPES)[number];

export class BrowserArtifactDto {
  path: string;
  @ApiProperty({ enum: BROWSER_ARTIFACT_TYPES })
  type: BrowserArtifactType;
  size_bytes: number;
  modified_at: string;
}

export class BrowserArtifactListDto {
  run_id: string;
  /** Screenshots (PNG, JPEG, GIF, WebP), HTML snapshots and HAR files of the run. */
  artifacts: BrowserArtifactDto[];
  total_count: number;
  /** More browser artifacts exist than AUTOPACK_ARTIFACT_INDEX_MAX_ENTRIES allows to list. */
  truncated: boolean;
}
