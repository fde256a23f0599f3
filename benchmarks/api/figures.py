"""A run of the API load benchmark as figures for BENCHMARKS.md."""

from __future__ import annotations

from benchmarks.api.driver import Run
from benchmarks.api.plan import THREADS, WORKERS, Plan
from benchmarks.measure import Figure

# What a save costs and why (docs/decisions/2026-11-25-grid-pages-and-api-load.md, 2026-11-26).
SAVE_PATH = ("a save is 5 statements besides BEGIN and COMMIT: the token lookup and its last-used update "
             "(as for the ping), then one read of the task with everything its checks need (the submission's "
             "state under FOR KEY SHARE), the compare-and-set UPDATE and the audit INSERT; the cycle's "
             "visibility is asked only when a save is refused (before 2026-11-26: 8, each check its own ORM query)")


def _cpu_split(saves: Run, ceiling: Run) -> list[str]:
    if not saves.server_cpu_parts:
        return []
    return ["per server: " + "; ".join(
        f"{name} {saves.cpu_per_request(name):.1f} ms per save, {ceiling.cpu_per_request(name):.1f} ms per ping"
        for name in saves.server_cpu_parts)]


def figures(plan: Plan, ceiling: Run, saves: Run, check: dict, prepared: dict, paced: Run | None = None) -> list[Figure]:
    label = f"API saves, {plan.clients} clients (gunicorn gthread {WORKERS}×{THREADS}, PostgreSQL)"
    ratio = saves.throughput / ceiling.throughput if ceiling.throughput else float("nan")
    successes = check["successes"]
    common = [f"{plan.clients} client threads in one process, keep-alive, closed loop; {plan.warmup:g} s warm-up, "
              f"{plan.seconds:g} s measured; {prepared['tasks']} tasks ({plan.units} units × {plan.items} items), "
              "each client saving only its own units' tasks"]
    notes_saves = common + [
        f"errors: {saves.errors or 'none'}; client CPU {saves.client_cpu:.1f} s of {saves.seconds:g} s",
        f"write check: {successes} successful saves; versions, points and audit events "
        f"{'all match' if check['ok'] else 'DO NOT match: ' + '; '.join(check['problems'][:5])}",
        f"Little's law: {plan.clients} clients ÷ {saves.throughput:.0f} req/s = "
        f"{1000 * plan.clients / saves.throughput if saves.throughput else float('nan'):.0f} ms per request in a "
        "closed loop; the p95 target needs a throughput of clients ÷ 50 ms",
        SAVE_PATH,
    ]
    notes_ceiling = common + [f"errors: {ceiling.errors or 'none'}; client CPU {ceiling.client_cpu:.1f} s"]
    return [
        Figure(label, "saves per second (PUT score)", saves.throughput, "req/s",
               baseline="GET /api/v1/ping on the same stack (the ceiling)", baseline_value=ceiling.throughput,
               target="≥ 60% of the ceiling", met=ratio >= 0.6, notes=notes_saves),
        Figure(label, "save latency p95", 1000 * saves.percentile(0.95), "ms",
               spread=(1000 * saves.percentile(0.5), 1000 * saves.percentile(0.99)),
               baseline="ping latency p95", baseline_value=1000 * ceiling.percentile(0.95),
               target="< 50 ms", met=saves.percentile(0.95) < 0.05,
               notes=[f"spread = (p50, p99); {saves.requests} saves measured"]),
        *([] if paced is None else [Figure(
            label, f"save latency p95, paced at half the saves' capacity ({paced.throughput:.0f} req/s offered)",
            1000 * paced.percentile(0.95), "ms", spread=(1000 * paced.percentile(0.5), 1000 * paced.percentile(0.99)),
            baseline="ping latency p95 (closed loop)", baseline_value=1000 * ceiling.percentile(0.95),
            target="< 50 ms", met=paced.percentile(0.95) < 0.05,
            notes=[f"spread = (p50, p99); {paced.requests} saves measured; the same {plan.clients} clients, each "
                   f"sending one save every {1000 * plan.clients / paced.throughput if paced.throughput else 0:.0f} ms "
                   "(open loop) instead of back to back: the p95 of a server that is not saturated, which the "
                   "closed-loop p95 above cannot show (there even the ping waits for the queue)",
                   f"errors: {paced.errors or 'none'}"])]),
        Figure(label, "ping per second (the ceiling)", ceiling.throughput, "req/s",
               spread=(1000 * ceiling.percentile(0.5), 1000 * ceiling.percentile(0.99)), notes=notes_ceiling
               + [f"spread = latency (p50, p99) in ms; p95 {1000 * ceiling.percentile(0.95):.1f} ms"]),
        Figure(label, f"server CPU per save ({prepared.get('servers', 'gunicorn')})",
               saves.server_cpu_per_request or float("nan"), "ms",
               baseline="server CPU per ping", baseline_value=ceiling.server_cpu_per_request,
               notes=["CPU time of the server processes ÷ answers, warm-up included: unlike throughput, "
                      "hardly changed by other work on the machine; on a CPU-bound server the throughput "
                      "ratio saves ÷ ping tends to the inverse of this ratio"] + _cpu_split(saves, ceiling)),
        Figure(label, "writes checked after the run", float(successes), "saves",
               target="no lost or duplicated writes", met=bool(check["ok"]),
               notes=check["problems"][:10] or ["every success is in the database exactly once"]),
    ]


