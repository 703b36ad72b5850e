{#- A JSON list held as text (e.g. a multi-select value kept as JSON), as its items joined by ', ' (NULL for an empty
    list): the same text a child table's items aggregate to. -#}

{% macro hr_json_list_text(expression) -%}
  nullif(
  {%- if target.type == 'postgres' -%}
    (select string_agg(item.value, ', ' order by item.position)
     from jsonb_array_elements_text(cast({{ expression }} as jsonb)) with ordinality as item(value, position))
  {%- elif target.type == 'bigquery' -%}
    array_to_string(json_value_array(parse_json({{ expression }})), ', ')
  {%- else -%}
    array_to_string(json_extract_string(cast({{ expression }} as json), '$[*]'), ', ')
  {%- endif -%}
  , '')
{%- endmacro %}

{% macro hr_list_text(value, order_by) -%}
  {#- an aggregate: the items of a dlt child table (a multi-select list) as one text, joined by ', ' in list
      order (`order_by`: `_dlt_list_idx`); NULL for no items. One convention for a multi-select field's
      current value (hr_employees) and its history (hr_custom_field_history). -#}
  string_agg(cast({{ value }} as {{ hr_text() }}), ', ' order by {{ order_by }})
{%- endmacro %}
