// Truss accelerator names -> the values NVIDIA's GPU feature discovery (GFD, part of the GPU
// Operator) puts in the node label `nvidia.com/gpu.product`: the name nvidia-smi prints with
// spaces replaced by dashes. Baseten's sizes decide the variant (A100 is the 80 GB part,
// H100 the 80 GB one). A type with no entry gets no affinity: the exported Deployment then
// says so in a comment and the admin picks a nodeSelector. Check a cluster's values with
// `kubectl get nodes -L nvidia.com/gpu.product`.
import type { AcceleratorType } from '../../../../shared/truss/accelerators.js';

export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_RESOURCE = 'nvidia.com/gpu';

export const GPU_PRODUCTS: Record<AcceleratorType, readonly string[]> = {
  T4: ['Tesla-T4'],
  L4: ['NVIDIA-L4'],
  A10G: ['NVIDIA-A10G'],
  V100: ['Tesla-V100-SXM2-16GB', 'Tesla-V100-PCIE-16GB'],
  A100: ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-A100-80GB-PCIe'],
  A100_40GB: ['NVIDIA-A100-SXM4-40GB', 'NVIDIA-A100-PCIE-40GB'],
  H100: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-H100-PCIe'],
  // Baseten's H100_40GB is half an H100 (a MIG slice); GFD with the "single" MIG strategy
  // labels such nodes with the parent product and the profile.
  H100_40GB: ['NVIDIA-H100-80GB-HBM3-MIG-3g.40gb'],
  H200: ['NVIDIA-H200'],
  B200: ['NVIDIA-B200'],
  L40S: ['NVIDIA-L40S'],
  RTX_PRO_6000: ['NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition'],
  // No published GFD value Berth can vouch for: no affinity, a comment instead.
  B10: [],
  B300: [],
  GB300: [],
};

export function gpuProducts(type: AcceleratorType): readonly string[] {
  return GPU_PRODUCTS[type] ?? [];
}
