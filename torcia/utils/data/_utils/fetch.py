"""Fetchers, as ``torch.utils.data._utils.fetch``: turn sampler output into collated data."""

from .collate import default_collate


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """Takes the next ``len(index)`` samples of the dataset's iterator per batch."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """``dataset.__getitems__(indices)`` when the dataset has it, else one ``dataset[i]`` per
    index; then the collate function.

    With the default collate function, a torcia dataset may offer ``_fetch_collated(indices)``:
    the collated batch built in one vectorised step (exactly what collating its samples
    gives), or None to fall back to the steps above.
    """

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if getitems else None
        self._collated = None
        if auto_collation and collate_fn is default_collate:
            self._collated = getattr(dataset, "_fetch_collated", None)

    def fetch(self, possibly_batched_index):
        if self.auto_collation:
            if self._collated is not None:
                batch = self._collated(possibly_batched_index)
                if batch is not None:
                    return batch
            if self._getitems is not None:
                data = self._getitems(possibly_batched_index)
            else:
                getitem = self.dataset.__getitem__
                data = [getitem(i) for i in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)
