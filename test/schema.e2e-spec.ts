import { DataSource } from 'typeorm';
import { createTestApp } from './helpers/app';

describe('database schema', () => {
  it('the migrations build exactly the schema the entities describe (nothing pending)', async () => {
    const t = await createTestApp();
    try {
      const pending = await t.app.get(DataSource).driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
