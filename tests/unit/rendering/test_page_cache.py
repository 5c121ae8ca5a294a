"""The page cache's budget and its resistance to one walk over every page."""

from cheeseshop.rendering.page_cache import PageCache


def page(n, size=100):
    return bytes([n % 256]) * size


def held(cache):
    return sum(len(p) for p in [*cache._probation.values(), *cache._protected.values()])


def test_the_budget_is_never_exceeded_and_oversized_pages_are_not_kept():
    cache = PageCache(max_bytes=1000)
    for n in range(50):
        cache.put(n, page(n))
        cache.get(n)
        assert held(cache) <= 1000
    cache.put("big", page(1, 251))  # over a quarter
    assert cache.get("big") is None
    assert cache.get(49) == page(49)


def test_a_page_read_again_survives_a_walk_over_every_page():
    cache = PageCache(max_bytes=10_000)
    popular = [f"popular-{n}" for n in range(20)]
    for key in popular:
        cache.put(key, page(1))
        assert cache.get(key) == page(1)  # asked for again: protected
    for n in range(1000):  # a crawler: each page once, ten times the cache
        cache.get_or_render(f"crawled-{n}", lambda: page(2))
    assert all(cache.get(key) == page(1) for key in popular)


def test_replacing_an_entry_keeps_the_count_right():
    cache = PageCache(max_bytes=1000)
    cache.put("a", page(1, 200))
    cache.get("a")
    cache.put("a", page(2, 100))
    cache.put("b", page(3, 200))
    assert cache.get("a") == page(2, 100)
    assert held(cache) == cache._bytes == 300


def test_the_protected_segment_is_bounded_and_demotes_to_probation():
    cache = PageCache(max_bytes=1000)
    for n in range(10):
        cache.put(n, page(n, 100))
        cache.get(n)
    assert cache._protected_bytes <= 800
    # The oldest protected pages were demoted, not lost.
    assert cache.get(0) == page(0, 100)
