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
