// What every scheduling service needs: the database, the configuration, the server secret and a clock.
import type { Config } from '../config';
import type { Db } from '../storage/db';

export interface Ctx {
  db: Db;
  config: Config;
  secret: string;
  now: () => Date;
}
