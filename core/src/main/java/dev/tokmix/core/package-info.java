/**
 * Shared foundations of tokmix: the exception hierarchy, and (in later issues) off-heap shard I/O through
 * Panama FFM and the weighted mixture sampler.
 */
package dev.tokmix.core;
