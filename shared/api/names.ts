// Command names without zod, for code that must stay small (the sandboxed Electron preload,
// the renderer bundle). The Record type makes the compiler reject a missing or extra name.
import type { CommandName } from './commands.js';

const NAMES: Record<CommandName, true> = {
  'app.info': true,
  'engine.status': true,
  'gpus.report': true,
  'deployments.list': true,
  'deployments.open': true,
  'deployments.validateText': true,
  'deployments.saveConfig': true,
  'deployments.close': true,
  'deployments.start': true,
  'deployments.stop': true,
  'deployments.restart': true,
  'deployments.get': true,
  'deployments.memory': true,
  'deployments.exportKubernetes': true,
  'logs.tail': true,
  'logs.since': true,
  'probes.history': true,
  'tasks.list': true,
  'weights.list': true,
  'weights.remove': true,
  'examples.list': true,
  'recent.list': true,
  'secrets.list': true,
  'secrets.set': true,
  'secrets.delete': true,
  'secrets.import': true,
  'settings.get': true,
  'settings.update': true,
  'gateway.info': true,
  'gateway.generateKey': true,
  'machines.list': true,
  'machines.add': true,
  'machines.remove': true,
  'machines.connect': true,
  'machines.call': true,
  'machines.upload': true,
  'files.list': true,
  'dialog.openConfig': true,
  'dialog.pickFolder': true,
  'catalog.list': true,
  'catalog.needs': true,
  'catalog.run': true,
  'catalog.copy': true,
  'wizard.checkModel': true,
  'wizard.create': true,
};

export const COMMAND_NAMES = Object.keys(NAMES) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(NAMES, name);
}
