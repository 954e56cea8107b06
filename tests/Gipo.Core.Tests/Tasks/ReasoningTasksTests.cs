using Gipo.Core.Tasks;

namespace Gipo.Core.Tests.Tasks;

public class ReasoningTasksTests
{
    [Theory]
    [InlineData("column-add", typeof(ColumnAddTask))]
    [InlineData("countdown", typeof(CountdownTask))]
    [InlineData("swap-sort", typeof(SwapSortTask))]
    [InlineData("mod-chain", typeof(ModChainTask))]
    public void Get_returns_the_named_task(string name, Type type)
    {
        var task = ReasoningTasks.Get(name);

        Assert.IsType(type, task);
        Assert.Equal(name, task.Name);
    }

    [Fact]
    public void Unknown_name_lists_the_valid_names()
    {
        var error = Assert.Throws<ArgumentException>(() => ReasoningTasks.Get("sudoku"));

        Assert.Contains("sudoku", error.Message);
        Assert.Contains("column-add, countdown, swap-sort, mod-chain", error.Message);
    }

    [Fact]
    public void Names_match_the_registered_tasks()
    {
        Assert.Equal(["column-add", "countdown", "swap-sort", "mod-chain"], ReasoningTasks.Names);
    }
}
