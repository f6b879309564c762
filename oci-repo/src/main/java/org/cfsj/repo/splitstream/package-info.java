/**
 * The splitstream format (composefs-rs's): a stream stored as inline bytes and references to
 * objects. Depends on the repository's {@link org.cfsj.repo.ObjectStore} alone.
 */
package org.cfsj.repo.splitstream;
