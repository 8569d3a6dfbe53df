import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from './openapi.js';

/** `npm run openapi` writes openapi.yaml; `npm run openapi -- --check` fails if it is out of date. */

export const OPENAPI_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

export async function generateOpenApi(): Promise<string> {
  return renderOpenApi();
}

async function main(): Promise<void> {
  const generated = await generateOpenApi();
  if (process.argv.includes('--check')) {
    const committed = await readFile(OPENAPI_PATH, 'utf8').catch(() => '');
    if (committed !== generated) {
      console.error(`${OPENAPI_PATH} is out of date: run npm run openapi`);
      process.exitCode = 1;
      return;
    }
    console.log(`${OPENAPI_PATH} is current`);
    return;
  }
  await writeFile(OPENAPI_PATH, generated);
  console.log(`wrote ${OPENAPI_PATH}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
