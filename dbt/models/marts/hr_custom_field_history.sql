{#-
  Custom field values over time, for every vendor built that has custom fields: the union of the
  conformed `<vendor>__hr_custom_field_history` models. One row per employee, field key and interval
  of one value (observed timeline: dated by the load that saw the value; inclusive dates, `valid_to`
  null: open). `value` is the text; `value_number`, `value_date`, `value_boolean` where it parses.
-#}
{{ config(enabled=(hr_vendors_providing('hr_custom_field_history') | length > 0)) }}

{{ union_vendors('hr_custom_field_history') }}
