"""Running a function's real handler locally: worker pools (:mod:`.functions`, :mod:`.workers`),
the zygote they fork from (:mod:`.zygote`, :mod:`.zygote_client`), the worker process itself
(:mod:`.worker_main`), hot reload (:mod:`.reload`) and ``python -m devstack invoke`` (:mod:`.invoke`)."""
