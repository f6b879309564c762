/**
 * Whole-repository walks over objects, links, refs and the splitstreams they reach: {@code fsck}
 * ({@link org.cfsj.repo.maintenance.Fsck}) and {@code gc} ({@link
 * org.cfsj.repo.maintenance.GarbageCollector}).
 */
package org.cfsj.repo.maintenance;
