// npm run backup [-- <file>]: a consistent copy of the database while the server runs.
import { loadConfig } from '../server/src/config';
import { log } from '../server/src/log';
import { backupDatabase } from '../server/src/storage/backup';

const config = loadConfig();
backupDatabase(config.dataDir, process.argv[2])
  .then((file) => {
    process.stdout.write(`Backup written: ${file}\n`);
  })
  .catch((err: Error) => {
    log.error('backup.failed', { message: err.message });
    process.exit(1);
  });
