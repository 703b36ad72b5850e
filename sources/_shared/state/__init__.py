"""What a resource remembers between runs, in its dlt state (committed with the load that carries the rows).

* :mod:`.digests`: content digests of records (what "unchanged" means);
* :mod:`.codec`: the compact JSON form of id sets and digest maps in state;
* :mod:`.index`: :class:`~.index.DigestIndex`, the remembered records of a walk in memory;
* :mod:`.snapshot`: :class:`~.snapshot.SnapshotTracker`, the bookkeeping of lists read whole;
* :mod:`.deletes`: the delete modes and the hints that make tombstones flag, delete or retire rows;
* :mod:`.incremental`: :class:`~.incremental.BoundaryDedup`, the inclusive ``updated_since`` boundary;
* :mod:`.retries`: :class:`~.retries.ChildRetries`, the parents a child resource reads again after a failure.
"""
