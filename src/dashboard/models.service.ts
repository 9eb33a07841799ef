import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { RunQueriesService } from '../runs/run-queries.service';
import type { ModelOverrideDto, ModelOverrideResponseDto, ModelsResponseDto } from './dto/dashboard.dto';
import { ModelOverride } from './entities/model-override.entity';
import { MODEL_MAPPINGS } from './model-catalog';
import type { ModelMappings } from './model-catalog';

/** Which model serves each role: the catalog's mappings and the overrides operators set. */
@Injectable()
export class ModelsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly runs: RunQueriesService,
    @Inject(MODEL_MAPPINGS) private readonly mappings: ModelMappings,
  ) {}

  async models(): Promise<ModelsResponseDto> {
    const overrides: ModelOverride[] = await this.dataSource.query(
      `SELECT DISTINCT ON (role) id, role, model, run_id AS "runId", created_by AS "createdBy", created_at AS "createdAt"
       FROM model_overrides WHERE run_id IS NULL ORDER BY role, created_at DESC, id`,
    );
    return { mappings: this.mappings, global_overrides: overrides.map(toOverrideDto) };
  }

  async override(dto: ModelOverrideDto, principal: Principal): Promise<ModelOverrideResponseDto> {
    if (dto.run_id !== undefined) await this.runs.findVisibleRun(dto.run_id, principal);
    const saved = await this.dataSource.getRepository(ModelOverride).save({
      runId: dto.run_id ?? null,
      role: dto.role,
      model: dto.model,
      createdBy: principal.id,
    });
    return toOverrideDto(saved);
  }
}

function toOverrideDto(row: ModelOverride): ModelOverrideResponseDto {
  return {
    id: row.id,
    role: row.role,
    model: row.model,
    run_id: row.runId,
    created_by: row.createdBy,
    created_at: new Date(row.createdAt).toISOString(),
  };
}
