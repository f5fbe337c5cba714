"""CSV files from monitoring operators: reading the file, the preview, and the confirmation."""

from __future__ import annotations

import pytest

from motcua.core.errors import InvalidInput, NotFound
from motcua.monitoring.ingestion import csv_parse, csv_template
from motcua.monitoring.models import CsvUpload, HourlyMeasurement
from motcua.monitoring.services import csv_upload_confirm, csv_upload_preview
from tests.monitoring.factories import hours_ago, operator, station

HEADER = "station,parameter,time,value,period\n"


def test_the_template_is_a_valid_file_with_the_expected_columns():
    rows = csv_parse(csv_template().encode())
    assert [row["line"] for row in rows] == [2, 3]
    assert rows[0]["parameter"] == "PM2.5" and rows[0]["value"] == 35.2
    # a day/month/year time is read as Vietnam time
    assert rows[1]["time"] == "2026-11-23T14:05:00+07:00"


def test_excel_files_with_bom_semicolons_and_decimal_commas_are_read():
    content = "\ufeffstation;parameter;time;value;period\r\nDL-01;PM10;23/11/2026 14:00;51,5;1H\r\n"
    (row,) = csv_parse(content.encode("utf-8"))
    assert (row["station"], row["value"], row["period"]) == ("DL-01", 51.5, "1h")


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "invalid", "rỗng"),
        (
            "station,parameter,time,value,period\nĐà Lạt,PM10,x,1,1h\n".encode("utf-16"),
            "encoding",
            "UTF-8",
        ),
        (b"station,parameter,when,value\nDL-01,PM10,x,1\n", "columns", "Thiếu: time, period"),
        (
            b"station,parameter,time,value,period,colour\nDL-01,PM10,x,1,1h,red\n",
            "columns",
            "colour",
        ),
        (HEADER.encode(), "invalid", "không có dòng số liệu"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "encoding", "UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(content, code, words):
    with pytest.raises(InvalidInput) as error:
        csv_parse(content)
    assert error.value.field == "file"
    assert error.value.code == code
    assert words in error.value.message


@pytest.mark.django_db
def test_preview_then_confirm_stores_the_good_lines_once():
    # given an operator, a station, and a file with good and bad lines
    user = operator()
    target = station(code="CSV-01", parameters=["PM2.5", "PM10"])
    h1, h2 = hours_ago(5).isoformat(), hours_ago(4).isoformat()
    content = (
        HEADER
        + f"CSV-01,PM2.5,{h1},30.5,1h\n"
        + f"CSV-01,PM10,{h1},abc,1h\n"
        + f"CSV-01,O3,{h1},60,1h\n"
        + f"NOPE,PM10,{h1},60,1h\n"
        + f"CSV-01,PM2.5,{h2},31,1h\n"
        + f"CSV-01,PM2.5,{h2},32,1h\n"
    ).encode()
    # when it is uploaded
    upload = csv_upload_preview(actor=user, file_name="ngay.csv", content=content)
    # then the preview says what will be stored and what not, by line, and nothing is stored
    assert [row["line"] for row in upload.accepted] == [2, 6]
    assert [(row["line"], row["reason"]) for row in upload.rejected] == [
        (3, "Giá trị không phải là số."),
        (4, "Trạm CSV-01 không đo thông số O3."),
        (5, "Trạm NOPE không có hoặc bạn không quản lý trạm này."),
        (7, "Trùng với dòng 6 trong cùng tệp."),
    ]
    assert upload.rejected[0]["value"] == "abc"
    assert not HourlyMeasurement.objects.exists()
    # when the operator confirms
    result = csv_upload_confirm(actor=user, upload=upload)
    # then the two values are stored with their source, once
    assert result.stored == 2
    assert sorted(
        HourlyMeasurement.objects.filter(station=target).values_list("value", "source")
    ) == [(30.5, "csv"), (31.0, "csv")]
    with pytest.raises(InvalidInput) as again:
        csv_upload_confirm(actor=user, upload=CsvUpload.objects.get())
    assert again.value.code == "already_confirmed"


@pytest.mark.django_db
def test_another_operator_cannot_confirm_my_upload():
    station(code="CSV-02")
    upload = csv_upload_preview(
        actor=operator(),
        file_name="a.csv",
        content=(HEADER + f"CSV-02,PM10,{hours_ago(2).isoformat()},1,1h\n").encode(),
    )
    with pytest.raises(NotFound):
        csv_upload_confirm(actor=operator(), upload=upload)
