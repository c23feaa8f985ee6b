// The ISA variants of the norm family (f32-norm-<isa>.cc) and their selection.
#pragma once
#include "amc/isa.h"
#include "amc/norm.h"

namespace amc::norm {

struct Kernels {
  const char* name;
  Isa isa;
  void (*batch_norm)(const BatchNormArgs& args);
  void (*batch_norm_grad)(const BatchNormGradArgs& args);
};

const Kernels* KernelTable(int* count);
// The best variant within the ISA cap.
const Kernels& Select();

}  // namespace amc::norm
