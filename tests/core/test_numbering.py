"""Human numbers: formatted per kind, consecutive, never reused, unique under concurrency."""

import threading

import pytest
from django.db import connection, transaction

from core.numbering import number_next


@pytest.mark.django_db
class TestNumberNext:
    def test_numbers_are_formatted_and_consecutive_per_kind(self):
        assert [number_next(kind="INC") for _ in range(3)] == [
            "INC0000001",
            "INC0000002",
            "INC0000003",
        ]
        assert number_next(kind="PRB") == "PRB0000001"

    def test_a_number_from_a_rolled_back_creation_was_never_seen_and_is_handed_out_again(self):
        class Abort(Exception):
            pass

        with pytest.raises(Abort), transaction.atomic():
            assert number_next(kind="CHG") == "CHG0000001"
            raise Abort
        assert number_next(kind="CHG") == "CHG0000001"
        assert number_next(kind="CHG") == "CHG0000002"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_get_distinct_consecutive_numbers():
    threads, per_thread = 6, 10
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work():
        try:
            for _ in range(per_thread):
                with transaction.atomic():
                    number = number_next(kind="INC")
                with lock:
                    results.append(number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert errors == []
    assert len(results) == len(set(results)) == threads * per_thread
    assert sorted(results) == ["INC{n:07d}".format(n=n) for n in range(1, threads * per_thread + 1)]
