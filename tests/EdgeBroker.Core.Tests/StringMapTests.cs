using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// The table the core uses instead of nanoFramework's native Hashtable: ordinal string keys, found by content (never
/// by instance), and no key ever held twice — including the remove-then-update sequence that duplicates a key in the
/// device's Hashtable when two keys share a probe sequence.
/// </summary>
public class StringMapTests
{
    [Fact]
    public void Keys_are_found_by_content_and_by_slice()
    {
        var map = new StringMap(4);
        map.Set("sensors", 1);

        Assert.Equal(1, map.Get(new string("sensors".ToCharArray())));
        Assert.Equal(1, map.Get("a/sensors/b", 2, 7));
        Assert.Null(map.Get("a/sensor/b", 2, 6));
    }

    [Fact]
    public void Updating_a_key_after_removing_one_before_it_in_its_probe_sequence_keeps_it_once()
    {
        var map = new StringMap(4);
        var keys = Enumerable.Range(0, 200).Select(i => "k" + i).ToList();
        keys.ForEach(key => map.Set(key, "old"));

        // Remove every other key, leaving tombstones in the probe sequences of the rest, then update the rest.
        for (int i = 0; i < keys.Count; i += 2)
        {
            Assert.True(map.Remove(keys[i]));
        }

        for (int i = 1; i < keys.Count; i += 2)
        {
            map.Set(keys[i], "new");
        }

        Assert.Equal(keys.Count / 2, map.Count);
        for (int i = 1; i < keys.Count; i += 2)
        {
            Assert.Equal("new", map.Get(keys[i]));
            Assert.True(map.Remove(keys[i]));
            Assert.Null(map.Get(keys[i]));
        }

        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void Remove_with_a_value_leaves_a_replaced_entry_alone()
    {
        var map = new StringMap(4);
        map.Set("dev", "first");
        map.Set("dev", "second");

        Assert.False(map.Remove("dev", "first"));
        Assert.True(map.Remove("dev", "second"));
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void Churn_keeps_every_live_key_reachable()
    {
        var map = new StringMap(2);
        var live = new HashSet<string>();
        var random = new Random(7);
        for (int step = 0; step < 20_000; step++)
        {
            var key = "c" + random.Next(300);
            if (random.Next(3) == 0)
            {
                Assert.Equal(live.Remove(key), map.Remove(key));
            }
            else
            {
                map.Set(key, key);
                live.Add(key);
            }
        }

        Assert.Equal(live.Count, map.Count);
        Assert.All(live, key => Assert.Equal(key, map.Get(key)));
        var values = new System.Collections.ArrayList();
        map.CopyValuesTo(values);
        Assert.Equal(live.OrderBy(k => k), values.Cast<string>().OrderBy(k => k));
    }

    [Fact]
    public void A_walk_through_the_slots_sees_every_value_once_while_it_removes_them()
    {
        var map = new StringMap(4);
        var keys = Enumerable.Range(0, 100).Select(i => "k" + i).ToList();
        keys.ForEach(key => map.Set(key, key));
        map.Remove("k7");

        var seen = new List<string>();
        for (int slot = 0; slot < map.SlotCount; slot++)
        {
            if (map.ValueAt(slot) is string value)
            {
                seen.Add(value);
                Assert.True(map.Remove(value));
            }
        }

        Assert.Equal(keys.Where(key => key != "k7").OrderBy(k => k), seen.OrderBy(k => k));
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void A_full_table_grows_to_half_full()
    {
        var map = new StringMap(4);
        for (int i = 0; i < 6; i++)
        {
            map.Set("k" + i, i);
        }

        Assert.Equal(8, map.SlotCount);

        // The seventh entry passes three quarters of 8 slots: room for twice the entries, not four times.
        map.Set("k6", 6);
        Assert.Equal(16, map.SlotCount);
    }
}
