// Imported first by bench/run.ts: handlers that run in the benchmark's own process log only
// warnings, so the figures are not buried in one log line per event. A developer can override it.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
