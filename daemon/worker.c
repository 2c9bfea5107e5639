/* Worker threads for hashing and blinding; see worker.h. */
#include "daemon/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct sp_workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sp_job *queue_head, *queue_tail; /* waiting to run */
    struct sp_job *done_head, *done_tail;   /* waiting to be taken */
    bool stopping;
    int efd;
    unsigned nthreads;
    unsigned started;
    size_t outstanding; /* main thread only */
    pthread_t threads[];
};

static void push_tail(struct sp_job **head, struct sp_job **tail, struct sp_job *job)
{
    job->next = NULL;
    if (*tail)
        (*tail)->next = job;
    else
        *head = job;
    *tail = job;
}

/* Wakes the main loop. An eventfd counter cannot overflow in practice (it
 * saturates at 2^64-2); a failed write only delays the wake-up to the next
 * completion, and the main loop also takes completions after every poll. */
static void signal_done(int efd)
{
    uint64_t one = 1;
    ssize_t r = write(efd, &one, sizeof(one));
    (void)r;
}

static void *worker_main(void *arg)
{
    struct sp_workers *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stopping && !w->queue_head)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        struct sp_job *job = w->queue_head;
        w->queue_head = job->next;
        if (!w->queue_head)
            w->queue_tail = NULL;
        pthread_mutex_unlock(&w->mu);
        job->ran = false;
        if (!atomic_load(&job->cancelled)) {
            job->run(job);
            job->ran = true;
        }
        pthread_mutex_lock(&w->mu);
        push_tail(&w->done_head, &w->done_tail, job);
        signal_done(w->efd);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void stop_threads(struct sp_workers *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->started; i++)
        pthread_join(w->threads[i], NULL);
    w->started = 0;
}

int sp_workers_new(unsigned nthreads, struct sp_workers **out)
{
    int rc = SP_ERR_IO;
    if (!out || nthreads == 0 || nthreads > SP_WORKERS_MAX)
        return SP_ERR_INVALID_ARG;
    struct sp_workers *w = calloc(1, sizeof(*w) + nthreads * sizeof(pthread_t));
    if (!w)
        return SP_ERR_NOMEM;
    w->nthreads = nthreads;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->efd < 0)
        goto out;
    for (unsigned i = 0; i < nthreads; i++) {
        if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
            goto out;
        w->started++;
    }
    *out = w;
    return 0;
out:
    sp_workers_free(&w);
    return rc;
}

void sp_workers_free(struct sp_workers **wp)
{
    if (!wp || !*wp)
        return;
    struct sp_workers *w = *wp;
    stop_threads(w);
    if (w->efd >= 0)
        close(w->efd);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    *wp = NULL;
}

void sp_workers_submit(struct sp_workers *w, struct sp_job *job)
{
    job->ran = false;
    pthread_mutex_lock(&w->mu);
    push_tail(&w->queue_head, &w->queue_tail, job);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    w->outstanding++;
}

int sp_workers_fd(const struct sp_workers *w)
{
    return w->efd;
}

struct sp_job *sp_workers_take(struct sp_workers *w)
{
    uint64_t count;
    /* Drain the counter first: a completion after the drain re-arms it. */
    ssize_t r = read(w->efd, &count, sizeof(count));
    (void)r;
    pthread_mutex_lock(&w->mu);
    struct sp_job *list = w->done_head;
    w->done_head = w->done_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    for (struct sp_job *j = list; j; j = j->next)
        w->outstanding--;
    return list;
}

unsigned sp_workers_count(const struct sp_workers *w)
{
    return w->nthreads;
}

size_t sp_workers_outstanding(const struct sp_workers *w)
{
    return w->outstanding;
}

unsigned sp_workers_default_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    if (n > SP_WORKERS_MAX)
        return SP_WORKERS_MAX;
    return (unsigned)n;
}
