/*
 * A pool of worker threads for the CPU-heavy part of a round (hash-to-group
 * and blinding), so that the main loop never blocks for long.
 *
 * The main thread submits jobs; a worker runs job->run(job) and puts the job
 * on a completion list; an eventfd that the main loop polls (zmq_pollitem_t
 * with .fd) becomes readable whenever completed jobs are waiting. Jobs are
 * owned by the caller throughout: the pool only links them into its lists.
 *
 * Threading contract: sp_workers_submit/take/cancel are called from one thread
 * (the main loop). job->run runs on a worker and must touch only the job and
 * data that is read-only while the job is queued or running (e.g. a round key,
 * which the engine frees only after every job that borrows it came back).
 */
#ifndef SP_DAEMON_WORKER_H
#define SP_DAEMON_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "round/engine.h" /* struct sp_job */

#define SP_WORKERS_MAX 256

/* A job is the round engine's struct sp_job (round/engine.h): run, the
 * cancelled flag the main thread may set while it waits (run is then
 * skipped and the job still comes back through sp_workers_take), ran (set
 * by the pool) and the list link the pool uses while it holds the job. */
struct sp_workers;

/* Starts nthreads (1..SP_WORKERS_MAX) worker threads. Returns 0,
 * SP_ERR_INVALID_ARG, SP_ERR_NOMEM or SP_ERR_IO (eventfd or thread creation). */
SP_NODISCARD int sp_workers_new(unsigned nthreads, struct sp_workers **out);
/* Stops the threads after their current job and frees the pool; jobs still
 * queued or completed are not run and not freed (the caller owns them and
 * must have taken or cancelled them). NULL-safe; clears *w. */
void sp_workers_free(struct sp_workers **w);

/* Queues a job (FIFO). Never blocks on a worker. */
void sp_workers_submit(struct sp_workers *w, struct sp_job *job);
/* The eventfd to poll for POLLIN; readable while completed jobs wait. */
int sp_workers_fd(const struct sp_workers *w);
/* Detaches and returns the list of completed jobs (linked by next, in
 * completion order), or NULL, and clears the eventfd's readiness. */
struct sp_job *sp_workers_take(struct sp_workers *w);
/* Number of threads. */
unsigned sp_workers_count(const struct sp_workers *w);
/* Jobs submitted and not yet taken back (queued, running or completed). */
size_t sp_workers_outstanding(const struct sp_workers *w);

/* The default thread count: the number of online CPUs, at least 1. */
unsigned sp_workers_default_count(void);

#endif
