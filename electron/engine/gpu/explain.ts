// Turns the Docker engine's GPU errors (raw, often a wall of OCI text) into a BerthError that
// says what is wrong and what to do. Returns null when the message is not about GPUs, so the
// caller can fall back to its own explanation.
import { BerthError } from '../../../shared/errors.js';
import { INSTALL_TOOLKIT_HINT } from './capabilities.js';

const RESTART_DOCKER = 'sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker';

function firstMatch(message: string, re: RegExp): string | null {
  const m = re.exec(message);
  return m ? (m[1] ?? m[0]).trim() : null;
}

export function explainGpuEngineError(message: string): BerthError | null {
  const msg = String(message ?? '');

  if (/could not select device driver\s+"[^"]*"\s+with capabilities:\s*\[\[?gpu/i.test(msg)) {
    return new BerthError(
      'GPU_RUNTIME_MISSING',
      'Docker cannot give this container a GPU: the engine has no NVIDIA device driver (the NVIDIA Container Toolkit is not installed, or Docker was not restarted after installing it).',
      INSTALL_TOOLKIT_HINT,
    );
  }
  // The CLI says "unknown or invalid runtime name: nvidia"; the API (dockerode) "Unknown runtime specified nvidia".
  if (/unknown or invalid runtime name:\s*nvidia|unknown runtime specified\s+nvidia/i.test(msg)) {
    return new BerthError(
      'GPU_RUNTIME_MISSING',
      'Docker has no runtime named "nvidia" registered.',
      `Register it with \`${RESTART_DOCKER}\` (install the NVIDIA Container Toolkit first if nvidia-ctk is missing).`,
    );
  }
  if (/unresolvable CDI devices?/i.test(msg)) {
    const devices = firstMatch(msg, /unresolvable CDI devices?\s*:?\s*([^\n:]+)/i);
    return new BerthError(
      'GPU_RUNTIME_MISSING',
      `Docker could not resolve the CDI GPU device${devices ? ` (${devices})` : ''}: no CDI spec on the engine names it.`,
      'Generate the spec with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (re-run it after driver updates), then start the deployment again.',
    );
  }
  if (/CDI.*(not enabled|feature is disabled)/i.test(msg)) {
    return new BerthError(
      'GPU_RUNTIME_MISSING',
      'This Docker engine has CDI turned off, so it cannot use CDI GPU devices.',
      `Enable it ("features": {"cdi": true} in /etc/docker/daemon.json, then restart Docker), or use the NVIDIA runtime instead: \`${RESTART_DOCKER}\`.`,
    );
  }
  // Docker before 25 (or CDI off) has no "cdi" device driver at all.
  if (/could not select device driver\s+"cdi"/i.test(msg)) {
    return new BerthError(
      'GPU_RUNTIME_MISSING',
      'This Docker engine cannot use CDI GPU devices: it has no CDI device driver (CDI needs Docker 25 or newer with CDI enabled).',
      `Update Docker to 25 or newer (CDI is on by default from 27; else set "features": {"cdi": true} in /etc/docker/daemon.json and restart Docker), or register the NVIDIA runtime instead: \`${RESTART_DOCKER}\`.`,
    );
  }
  if (/nvidia-container-cli:\s*requirement error/i.test(msg)) {
    const cond = firstMatch(msg, /unsatisfied condition:\s*([^\n,:]+)/i);
    return new BerthError(
      'GPU_UNAVAILABLE',
      `The image needs a newer NVIDIA driver than this machine has${cond ? ` (${cond})` : ''}.`,
      'Update the NVIDIA driver to one that supports the CUDA version the image was built for (check `nvidia-smi` for the supported CUDA version), or use an image built for an older CUDA.',
    );
  }
  if (/nvidia-container-cli:\s*device error/i.test(msg) || /unknown device/i.test(msg) && /nvidia/i.test(msg)) {
    const dev = firstMatch(msg, /device error:\s*([^\n:]+(?::\s*unknown device)?)/i);
    return new BerthError(
      'GPU_UNAVAILABLE',
      `The GPU Berth asked for is not present${dev ? ` (${dev})` : ''}; the GPU list may have changed since it was read.`,
      'Run `berth gpus` to see the GPUs that exist now, then start the deployment again.',
    );
  }
  if (/nvidia-container-cli:\s*initialization error/i.test(msg) || /nvml error/i.test(msg)) {
    const why = firstMatch(msg, /initialization error:\s*([^\n]+?)(?::\s*unknown)?$/im);
    if (/driver not loaded|load library failed|libnvidia-ml/i.test(msg)) {
      return new BerthError(
        'GPU_UNAVAILABLE',
        `The NVIDIA Container Toolkit is installed but cannot reach the NVIDIA driver${why ? ` (${why})` : ''}.`,
        'Check `nvidia-smi` works on the host. If it does not, install or reinstall the NVIDIA driver and reboot; if it does, reinstall the NVIDIA Container Toolkit and restart Docker.',
      );
    }
    return new BerthError(
      'GPU_UNAVAILABLE',
      `The NVIDIA Container Toolkit failed to set up the GPU for the container${why ? ` (${why})` : ''}.`,
      'Check `nvidia-smi` works on the host, then reinstall the NVIDIA Container Toolkit and restart Docker (`sudo systemctl restart docker`).',
    );
  }
  if (/error running (prestart )?hook/i.test(msg) && /nvidia/i.test(msg)) {
    return new BerthError(
      'GPU_UNAVAILABLE',
      'The NVIDIA container hook failed while starting the container.',
      'Check `nvidia-smi` works on the host; if it does, reinstall the NVIDIA Container Toolkit and restart Docker.',
    );
  }
  return null;
}
