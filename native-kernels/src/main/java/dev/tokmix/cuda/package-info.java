/**
 * Optional CUDA kernels (JCuda driver API + PTX) for large encode batches; loaded by name so tokmix runs
 * without a GPU. Empty until the GPU issue lands.
 */
package dev.tokmix.cuda;
