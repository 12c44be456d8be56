/** Read once, before anything binds: one YAML file and FERRY_* variables become small validated records. */
package dev.ferry.router.config;
