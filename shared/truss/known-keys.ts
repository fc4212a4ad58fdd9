// The keys Berth understands at each level, so anything else can be reported as "unknown"
// (kept, not failed) with a did-you-mean. FREE subtrees hold user-chosen keys.
export const FREE = 'free' as const;
export const LEAF = 'leaf' as const;
export interface KeyTree {
  [key: string]: KeyTree | typeof FREE | typeof LEAF | { list: KeyTree };
}

const DOCKER_AUTH: KeyTree = {
  auth_method: LEAF, registry: LEAF, secret_name: LEAF,
  aws_access_key_id_secret_name: LEAF, aws_secret_access_key_secret_name: LEAF,
  aws_oidc_role_arn: LEAF, aws_oidc_region: LEAF,
  gcp_oidc_service_account: LEAF, gcp_oidc_workload_id_provider: LEAF,
};

export const KNOWN_KEYS: KeyTree = {
  model_name: LEAF,
  description: LEAF,
  python_version: LEAF,
  base_image: { image: LEAF, python_executable_path: LEAF, docker_auth: DOCKER_AUTH },
  docker_server: {
    start_command: LEAF, server_port: LEAF, predict_endpoint: LEAF, readiness_endpoint: LEAF,
    liveness_endpoint: LEAF, run_as_user_id: LEAF, no_build: LEAF,
  },
  resources: {
    accelerator: { accelerator: LEAF, count: LEAF },
    use_gpu: LEAF, cpu: LEAF, memory: LEAF, instance_type: LEAF, node_count: LEAF,
  },
  secrets: FREE,
  environment_variables: FREE,
  requirements: LEAF,
  requirements_file: LEAF,
  system_packages: LEAF,
  build_commands: LEAF,
  external_data: { list: { url: LEAF, local_data_path: LEAF, name: LEAF, backend: LEAF } },
  runtime: {
    predict_concurrency: LEAF,
    health_checks: {
      startup_threshold_seconds: LEAF, stop_traffic_threshold_seconds: LEAF,
      restart_threshold_seconds: LEAF, restart_check_delay_seconds: LEAF,
    },
    transport: { kind: LEAF, ping_interval_seconds: LEAF, ping_timeout_seconds: LEAF },
    is_websocket_endpoint: LEAF,
    streaming_read_timeout: LEAF, enable_tracing_data: LEAF, enable_debug_logs: LEAF, num_workers: LEAF,
  },
  model_cache: {
    list: {
      repo_id: LEAF, revision: LEAF, allow_patterns: LEAF, ignore_patterns: LEAF,
      volume_folder: LEAF, use_volume: LEAF, kind: LEAF, runtime_secret_name: LEAF,
    },
  },
  weights: { list: { source: LEAF, mount_location: LEAF, auth_secret_name: LEAF, auth: FREE, allow_patterns: LEAF, ignore_patterns: LEAF } },
  model_metadata: FREE,
};

/** Top-level Truss keys that only the Python model server (model.py) uses. */
export const PYTHON_MODEL_KEYS = new Set([
  'model_class_filename', 'model_class_name', 'model_module_dir', 'data_dir', 'bundled_packages_dir',
  'external_package_dirs', 'examples_filename', 'spec_version', 'model_framework', 'model_type',
  'input_type', 'live_reload', 'apply_library_patches', 'trt_llm', 'use_local_src', 'cache_internal',
  'hf_cache', 'training_checkpoints', 'build', 'model_root', 'environment', 'deploy_status',
]);

/** Fields Truss accepts that have no effect on a local custom-server run, with why. */
export const NOT_USED_LOCALLY: Record<string, string> = {
  'runtime.streaming_read_timeout': 'custom servers do not use it; Berth streams without a read timeout',
  'runtime.enable_tracing_data': 'custom servers do not use it',
  'runtime.enable_debug_logs': 'custom servers do not use it; your server controls its own log level',
  'runtime.num_workers': 'custom servers do not use it; your server decides its own workers',
  'resources.instance_type': 'Berth runs on this machine; the accelerator and GPUs found here decide placement',
};
