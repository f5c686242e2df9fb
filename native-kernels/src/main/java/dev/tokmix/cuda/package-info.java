/**
 * The optional CUDA path: {@link dev.tokmix.cuda.CudaBatchEncoder} merges the BPE pieces of many documents on an
 * NVIDIA GPU, giving exactly the CPU encoder's ids; {@link dev.tokmix.cuda.CudaEncoderProvider} decides once
 * whether this machine can run it; {@link dev.tokmix.cuda.EncoderDevice} is {@code --device cpu|cuda|auto}.
 * JCuda (driver API, PTX through {@code cuModuleLoadData}) is imported by one package-private class and loaded by
 * name, so the library runs without a GPU, a driver or the JCuda jar.
 */
package dev.tokmix.cuda;
