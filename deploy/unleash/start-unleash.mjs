// Starts the Unleash server for Ferry's integration tests and local use. Run by deploy/unleash/unleash.sh, which
// copies this file next to the installed node_modules (ESM resolves 'unleash-server' from the file's own directory)
// and sets the environment: DATABASE_URL, the initial API tokens, UNLEASH_PORT, UNLEASH_CONSTRAINT_VALUES_LIMIT.
import express from 'express';
import { start } from 'unleash-server';

const port = Number(process.env.UNLEASH_PORT || 4242);
// Unleash parses Admin API bodies with its own express.json(), capped at 100 kB: about 5,000 tenant ids in one
// constraint. A body parsed here, before Unleash's routes, is not parsed again.
const bodyLimit = process.env.UNLEASH_JSON_BODY_LIMIT || '20mb';

const unleash = await start({
    server: { host: '127.0.0.1', port },
    // Loopback only: no calls home.
    versionCheck: { enable: false },
    telemetry: false,
    preHook: (app) => {
        app.use('/api/admin', express.json({ limit: bodyLimit }));
    },
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
        if (stopping) return;
        stopping = true;
        console.log(`Unleash stopping (${signal})`);
        try {
            await unleash.stop();
        } finally {
            process.exit(0);
        }
    });
}

console.log(`Unleash ${unleash.version} ready on http://127.0.0.1:${unleash.config.server.port} (pid ${process.pid})`);
