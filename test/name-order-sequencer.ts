// The reliability suite runs its files in name order: zz-dockerd-restart.test.ts restarts the
// shared Docker engine and must come after every other file. Other suites keep vitest's
// default order (slowest first, which suits parallel runs).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class NameOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byName = files.filter((f) => f.project.name === 'reliability');
    if (byName.length === 0) return super.sort(files);
    const rest = await super.sort(files.filter((f) => f.project.name !== 'reliability'));
    return [...rest, ...byName.sort((a, b) => a.moduleId.localeCompare(b.moduleId))];
  }
}
