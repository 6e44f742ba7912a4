"""Figures for management: answered within the service level per week, median time to answer, backlog
by section; as CSV and as a server-rendered SVG chart."""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.urls import reverse

from tilgang.inquiries import services
from tilgang.inquiries.selectors import chart_bars, inquiry_figures
from tilgang.inquiries.service_level import OSLO


def test_figures_count_answers_in_time_median_and_backlog(ask, info, section, committed):
    with time_machine.travel(datetime(2026, 11, 9, 10, tzinfo=OSLO), tick=False) as traveller:
        quick = ask()  # due Wednesday 11 November 15:00
        slow = ask()
        waiting = ask()
        forwarded = ask()
        committed(services.inquiry_forward, actor=info, inquiry=forwarded, section=section)
        traveller.move_to(datetime(2026, 11, 9, 12, tzinfo=OSLO))
        committed(services.inquiry_answer, actor=info, inquiry=quick, body="Svar")  # 2 working hours
        traveller.move_to(datetime(2026, 11, 12, 10, tzinfo=OSLO))
        committed(services.inquiry_answer, actor=info, inquiry=slow, body="Svar")  # 18 working hours, late
        traveller.move_to(datetime(2026, 11, 16, 10, tzinfo=OSLO))
        figures = inquiry_figures(weeks=2)
    week = next(row for row in figures.weeks if row.week == 46)
    assert (week.answered, week.in_time, week.median_hours) == (2, 1, 10.0)
    assert figures.median_hours == 10.0
    backlog = {item.section: (item.open, item.overdue) for item in figures.backlog}
    assert backlog == {"": (1, 1), "Income statistics": (1, 1)}
    assert waiting.status == "open"
    bars, width, top = chart_bars(figures)
    assert top == 2 and len(bars) == 2 and width > 0
    assert bars[0].h_total == 160 and bars[0].h_in_time == 80


def test_csv_and_chart_pages(ask, info, client_for, make_user):
    ask()
    client = client_for(info)
    response = client.get(reverse("inquiries:figures_csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.startswith("week,monday,answered,answered_in_time,share_in_time,median_working_hours")
    assert "section,open,overdue" in text
    page = client.get(reverse("inquiries:figures"), headers={"Accept-Language": "en"}).content.decode()
    assert "<svg" in page and 'role="img"' in page and "<script" not in page.split("<main")[1]
    head = client_for(make_user("head_of_section"))
    assert head.get(reverse("inquiries:figures")).status_code == 200
    assert client_for(make_user("case_officer")).get(reverse("inquiries:figures")).status_code == 403
