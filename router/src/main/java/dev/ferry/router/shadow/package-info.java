/**
 * Shadow reads, the comparison core: what each backend answered ({@link dev.ferry.router.shadow.Exchange}), the
 * rules of a route ({@link dev.ferry.router.shadow.CompareRules}), the differences between two answers ({@link
 * dev.ferry.router.shadow.Differ}), which differences are noise ({@link dev.ferry.router.shadow.NoiseFilter}) or
 * replication lag ({@link dev.ferry.router.shadow.Judge}), and whether a tenant is ready to move ({@link
 * dev.ferry.router.shadow.Readiness}). Pure and deterministic: no I/O, no clock, no request path (docs/shadow.md).
 */
package dev.ferry.router.shadow;
