
    
    

select
    time_off_key as unique_field,
    count(*) as n_records

from "w"."hr_unified"."hr_time_off"
where time_off_key is not null
group by time_off_key
having count(*) > 1


