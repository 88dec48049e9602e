"""Every plain `def` a route depends on is run in the thread pool, one hand-off there and back per call: a sale's
request made four (the agent's state, the sign-in, the Idempotency-Key, the sale) where one does the work."""

import inspect

from fastapi.routing import APIRoute

from edge.api.routes import health, sales


def handoffs(router, method: str, path: str) -> list[str]:
    """The plain (thread pool) callables a request to this route runs: its dependencies and the route itself."""
    [route] = [r for r in router.routes if isinstance(r, APIRoute) and r.path == path and method in r.methods]
    found: list[str] = []

    def walk(dependant) -> None:
        for sub in dependant.dependencies:
            walk(sub)
        call = dependant.call
        if call is not None and not (inspect.iscoroutinefunction(call)
                                     or inspect.iscoroutinefunction(getattr(call, "__call__", None))):
            found.append(call.__name__)

    walk(route.dependant)
    return found


def test_a_sale_and_a_health_check_each_make_one_hand_off_to_the_thread_pool():
    assert handoffs(sales.router, "POST", "/sales") == ["post_sale"]
    assert handoffs(health.router, "GET", "/healthz") == ["healthz"]
