#!/usr/bin/env node
// `npx muse-dsp …`: runs the TypeScript CLI (scripts/muse-dsp.ts) through tsx, a devDependency.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/muse-dsp.ts');
