import { PageQueryDto as SharedPageQueryDto } from '../http/page-query.dto';

/** `?limit=1..100&offset=0..10000&cursor=…` for the identity admin lists: 50 per page unless asked. */
export class PageQueryDto extends SharedPageQueryDto {
  override limit?: number = 50;
}
