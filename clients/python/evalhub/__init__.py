"""evalhub: the Python client of an evalhub server.

    import evalhub
    hub = evalhub.Hub()                      # EVALHUB_URL, EVALHUB_TOKEN
    with hub.start_run("vision", name="my-eval") as run:
        run.log_metric("accuracy", 0.91, ci=(0.88, 0.94))
"""

__version__ = "0.1.0"

from .digest import digest_path  # noqa: E402
from .errors import (  # noqa: E402
    AuthenticationError,
    ConflictError,
    DigestMismatchError,
    EvalhubError,
    ForbiddenError,
    GraphQLError,
    InputContentError,
    ModelContentError,
    NotFoundError,
    RunnerUnavailableError,
    RunNotReproducibleError,
    TransportError,
    ValidationError,
)
from .external import ExternalRun  # noqa: E402
from .hub import Hub  # noqa: E402
from .lineage import Trace  # noqa: E402
from .reproduction import Verdict  # noqa: E402
from .runs import Run  # noqa: E402

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "DigestMismatchError",
    "EvalhubError",
    "ExternalRun",
    "ForbiddenError",
    "GraphQLError",
    "Hub",
    "InputContentError",
    "ModelContentError",
    "NotFoundError",
    "Run",
    "RunNotReproducibleError",
    "RunnerUnavailableError",
    "Trace",
    "TransportError",
    "ValidationError",
    "Verdict",
    "digest_path",
    "__version__",
]
