"""The API object under /api/v1/: schema at /api/v1/openapi.json, docs at /api/v1/docs."""

from ninja import NinjaAPI

from kaohe.api.auth import AUTH
from kaohe.api.body import JsonParser
from kaohe.api.errors import ApiError, api_error_response

# Every JSON body is read by kaohe.api.body (a depth limit, Decimal numbers, no NUL or lone surrogate).
api = NinjaAPI(title="Kaohe API", version="1", urls_namespace="api", docs_url="/docs", auth=AUTH,
               parser=JsonParser())
api.add_exception_handler(ApiError, lambda request, error: api_error_response(error))  # type: ignore[arg-type]

from kaohe.api import cycles, lifecycle, sheets  # noqa: E402, F401  (lifecycle adds its operations to cycles.router)

api.add_router("/cycles", cycles.router)
api.add_router("/cycles", sheets.router)
from kaohe.api import results  # noqa: E402

api.add_router("/cycles", results.router)
from kaohe.api import claims, objections  # noqa: E402

api.add_router("/cycles", claims.router)
api.add_router("/cycles", objections.router)
from kaohe.api import ledger  # noqa: E402

api.add_router("/cycles", ledger.router)
from kaohe.api import documents  # noqa: E402

api.add_router("/cycles", documents.router)
from kaohe.api import survey  # noqa: E402

api.add_router("/surveys", survey.router)
from kaohe.api import health  # noqa: E402

api.add_router("", health.router)
