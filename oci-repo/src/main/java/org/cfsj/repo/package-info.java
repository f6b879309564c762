/**
 * The composefs repository: {@link org.cfsj.repo.Repository} (location, init, {@code meta.json},
 * access checks, the lock) and the parts it hands out, {@link org.cfsj.repo.ObjectStore} (the
 * content-addressed objects: writing, installing, fs-verity, the digest ledger, verified reading)
 * and {@link org.cfsj.repo.NamedLinks} (the {@code streams/} and {@code images/} namespaces with
 * their refs). Imports neither {@code splitstream} nor {@code maintenance}, which build on it.
 */
package org.cfsj.repo;
