/* The simulator's event queue (sim_queue.h): a binary min-heap on (at, order). */
#include "sim_queue.h"

#include <stdlib.h>

static int before(const struct sim_event *a, const struct sim_event *b)
{
    return a->at != b->at ? a->at < b->at : a->order < b->order;
}

int sim_queue_push(struct sim_queue *q, const struct sim_event *ev)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        struct sim_event *v = realloc(q->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        q->v = v;
        q->cap = cap;
    }
    size_t i = q->n++;
    q->v[i] = *ev;
    q->v[i].order = q->pushed++;
    while (i > 0 && before(&q->v[i], &q->v[(i - 1) / 2])) {
        struct sim_event t = q->v[i];
        q->v[i] = q->v[(i - 1) / 2];
        q->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

int sim_queue_pop(struct sim_queue *q, struct sim_event *ev)
{
    if (q->n == 0)
        return -1;
    *ev = q->v[0];
    q->v[0] = q->v[--q->n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->n && before(&q->v[l], &q->v[m]))
            m = l;
        if (r < q->n && before(&q->v[r], &q->v[m]))
            m = r;
        if (m == i)
            break;
        struct sim_event t = q->v[i];
        q->v[i] = q->v[m];
        q->v[m] = t;
        i = m;
    }
    return 0;
}

uint64_t sim_queue_next_at(const struct sim_queue *q)
{
    return q->n ? q->v[0].at : UINT64_MAX;
}

void sim_queue_clear(struct sim_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].kind == SIM_EV_MSG)
            free(q->v[i].ptr);
    free(q->v);
    *q = (struct sim_queue){0};
}
