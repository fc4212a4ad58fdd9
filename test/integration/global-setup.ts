// Integration suite precondition: a Docker engine answers and the fixture images exist and
// match the current fixture sources. Otherwise the run stops with one line saying what to do.
import { docker, engineAnswers } from '../helpers/docker.js';
import { BUSYBOX_IMAGE, HASH_LABEL, MODEL_SERVER_IMAGE, fixtureInputHash } from '../fixtures/images.mjs';

function oneLine(message: string): Error {
  const e = new Error(message);
  e.stack = message; // no stack trace: the message is the whole story
  return e;
}

export default async function setup(): Promise<void> {
  if (!(await engineAnswers(5_000))) {
    throw oneLine('integration tests need a Docker engine and none answers (DOCKER_HOST or /var/run/docker.sock): start dockerd, or run `bash .ci/run`');
  }
  const want = fixtureInputHash();
  for (const ref of [MODEL_SERVER_IMAGE, BUSYBOX_IMAGE]) {
    let have: string | undefined;
    try {
      have = (await docker.getImage(ref).inspect()).Config?.Labels?.[HASH_LABEL];
    } catch {
      throw oneLine(`fixture image ${ref} is missing: run \`npm run fixtures\``);
    }
    if (have !== want) throw oneLine(`fixture image ${ref} is older than its sources: run \`npm run fixtures\``);
  }
}
