"""``template.yaml`` as the local stack reads it: the reader (:mod:`.reader`, ``SamTemplate``), the
intrinsic functions (:mod:`.intrinsics`), the specs it yields (:mod:`.specs`, :mod:`.apis`,
:mod:`.stores`), ``samconfig.toml``'s parameters (:mod:`.samconfig`), the snapshot the stack serves
(:mod:`.stack`) and ``make validate`` (:mod:`.validate`). Imports nothing else of ``devstack``."""
