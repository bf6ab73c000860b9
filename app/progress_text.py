"""The words of the progress display, in English and Chinese.

One small table, so that the translation helper can move it into the gettext catalog
later without touching :mod:`musterpoint.progress`. Keys are the step names the commands
use; :func:`step_label` falls back to English, then to the key itself.
"""

from __future__ import annotations

__all__ = ["LINE", "STEP_LABELS", "step_label"]

#: What each step of a long command is doing, as shown beside the bar or in the log line.
STEP_LABELS: dict[str, dict[str, str]] = {
    "load": {"en": "reading the scenario", "zh": "读取情景文件"},
    "world": {"en": "building the world (roads, zones, hazard)",
              "zh": "构建路网、分区与灾害"},
    "simulate": {"en": "simulating", "zh": "模拟中"},
    "bound": {"en": "computing the best any plan could do", "zh": "计算任何预案可达的最优值"},
    "tables": {"en": "writing the tables", "zh": "写出数据表"},
    "map": {"en": "drawing the map", "zh": "绘制地图"},
    "report": {"en": "writing the report", "zh": "撰写报告"},
    "pdf": {"en": "printing the PDF", "zh": "打印 PDF"},
    "gis": {"en": "writing the GIS layers", "zh": "写出 GIS 图层"},
    "suggest": {"en": "testing suggested changes on common seeds",
                "zh": "在共同种子上检验改进建议"},
    "catalog": {"en": "recording the run", "zh": "登记运行结果"},
    "replications": {"en": "replications", "zh": "重复运行"},
    "comparison": {"en": "comparing the plans", "zh": "比较各预案"},
    "outputs": {"en": "writing the outputs", "zh": "写出结果"},
    "scenario_folder": {"en": "building the scenario folder", "zh": "生成情景文件夹"},
    "document": {"en": "writing the document", "zh": "撰写文档"},
    "replay": {"en": "replaying the drill", "zh": "回放演练"},
}

#: The one-line progress log written when the display is not a terminal. Fields:
#: ``step`` (a label above), ``done`` (" 45 %" or ""), ``step_time`` and ``total_time``
#: (h:mm:ss).
LINE: dict[str, str] = {
    "en": "progress: {step}{done} ({step_time} in this step, {total_time} in all)",
    "zh": "进度：{step}{done}（本步已用 {step_time}，共 {total_time}）",
}


def step_label(key: str, lang: str) -> str:
    """The label of a step in ``lang`` (English, or the key, when it has none)."""
    labels = STEP_LABELS.get(key, {})
    return labels.get(lang) or labels.get("en") or key
